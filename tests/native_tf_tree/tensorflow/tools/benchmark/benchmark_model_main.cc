// Stand-in for tensorflow/tools/benchmark:benchmark_model.
//
// Reads --graph=PATH (other --name=value flags are accepted and ignored) and
// writes the real tool's stderr stored beside the graph
// (<dir>/benchmark_model.stderr.txt) to stderr. Exit status 255 when the
// graph is missing or the stored run logged an error line (E/F severity),
// 0 otherwise: the real tool's codes.
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char** argv) {
  std::string graph;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--graph=", 0) == 0) graph = arg.substr(8);
    else if (arg.rfind("--", 0) != 0) {
      std::cerr << "E0000 00:00:0.000000 1 benchmark_model.cc:1] Unknown argument " << arg << "\n";
      return -1;
    }
  }
  std::ifstream model(graph, std::ios::binary);
  if (!model) {
    std::cerr << "E0000 00:00:0.000000 1 benchmark_model.cc:1] Could not create TensorFlow Graph: "
                 "NOT_FOUND: " << graph << "; No such file or directory\n";
    return -1;
  }
  const size_t slash = graph.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : graph.substr(0, slash);
  std::ifstream stored(dir + "/benchmark_model.stderr.txt");
  if (!stored) {
    std::cerr << "E0000 00:00:0.000000 1 benchmark_model.cc:1] stand-in benchmark_model has no stored "
                 "output beside " << graph << "\n";
    return -1;
  }
  int status = 0;
  std::string line;
  while (std::getline(stored, line)) {
    std::cerr << line << "\n";
    if (line.rfind("E0000 ", 0) == 0 || line.rfind("F0000 ", 0) == 0) status = -1;
  }
  return status;
}
