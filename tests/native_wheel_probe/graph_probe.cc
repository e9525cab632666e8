// A small program of ours that loads a GraphDef through TensorFlow's C++ API
// (the wheel's libtensorflow_cc / libtensorflow_framework) and prints facts
// the test checks against tflite-tools' Python engine:
//
//   nodes=<N>
//   placeholders=<comma list, GraphDef order>
//   op <Op> <count>            (one line per op type, byte-wise ascending)
//   session=ok                 (a Session was created over the graph)
//   stat_summarizer=ok         (StatSummarizer, as benchmark_model uses it)
//
// Usage, with TF's own flag parser (as TF's tools): graph_probe --graph=PATH.
// Exit codes follow TF's tools: 255 when the flags are wrong, the graph
// cannot be read or the Session cannot be created.
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tensorflow/core/framework/graph.pb.h"
#include "tensorflow/core/platform/env.h"
#include "tensorflow/core/public/session.h"
#include "tensorflow/core/util/command_line_flags.h"
#include "tensorflow/core/util/stat_summarizer.h"

int main(int argc, char** argv) {
  std::string path;
  std::vector<tensorflow::Flag> flags = {tensorflow::Flag("graph", &path, "GraphDef file")};
  const std::string usage = tensorflow::Flags::Usage(argv[0], flags);
  if (!tensorflow::Flags::Parse(&argc, argv, flags) || argc > 1 || path.empty()) {
    std::cerr << usage;
    return -1;
  }
  tensorflow::GraphDef graph;
  tensorflow::Status status =
      tensorflow::ReadBinaryProto(tensorflow::Env::Default(), path, &graph);
  if (!status.ok()) {
    // Like TF's LoadTextOrBinaryGraphFile: binary first, then text.
    status = tensorflow::ReadTextProto(tensorflow::Env::Default(), path, &graph);
  }
  if (!status.ok()) {
    std::cerr << "Loading graph '" << path << "' failed with " << status.ToString() << std::endl;
    return -1;
  }
  std::map<std::string, int> ops;
  std::string placeholders;
  for (const tensorflow::NodeDef& node : graph.node()) {
    ++ops[node.op()];
    if (node.op() == "Placeholder") {
      placeholders += (placeholders.empty() ? "" : ",") + node.name();
    }
  }
  std::cout << "nodes=" << graph.node_size() << "\n";
  std::cout << "placeholders=" << placeholders << "\n";
  for (const auto& entry : ops) {
    std::cout << "op " << entry.first << " " << entry.second << "\n";
  }
  // Creating a Session needs the direct-session factory, registered by a
  // static initializer in libtensorflow_cc: this line fails if the library
  // was dropped by --as-needed.
  std::unique_ptr<tensorflow::Session> session(tensorflow::NewSession(tensorflow::SessionOptions()));
  if (session == nullptr) {
    std::cerr << "Could not create a TensorFlow Session" << std::endl;
    return -1;
  }
  status = session->Create(graph);
  if (!status.ok()) {
    std::cerr << "Could not create TensorFlow Graph: " << status.ToString() << std::endl;
    return -1;
  }
  std::cout << "session=ok" << std::endl;
  tensorflow::StatSummarizer stats(graph);
  stats.ProcessStepStats(tensorflow::StepStats());
  std::cout << "stat_summarizer=ok" << std::endl;
  return 0;
}
