// Stand-in for tensorflow/tools/graph_transforms/summarize_graph_main.cc.
//
// Same flags (--in_graph=PATH, --print_structure[=true|false]), same stdout
// and the same exit code (255 on any failure) as TensorFlow's tool. The
// summary is the real tool's output stored beside the graph, when there is
// one:
//   <dir>/summarize_graph.txt                  (or .print_structure.txt)
//   <dir>/summarize_graph.error.txt            (the logged error: exit 255)
// The benchmark hint echoes --in_graph as typed, like the real tool. For
// other graphs it runs tflite-tools' Python engine (`python -m tflite_tools
// summarize`, which prints summarize_graph's text byte for byte).
#ifdef TFLITE_TOOLS_BREAK_BUILD
#error "summarize_graph stand-in: build broken on purpose (TFLITE_TOOLS_BREAK_BUILD)"
#endif

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

const char kUsage[] =
    "usage: summarize_graph\nFlags:\n"
    "\t--in_graph=\"\"                     \tstring\tinput graph file name\n"
    "\t--print_structure=false           \tbool\twhether to print the network connections of the graph\n";

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream buffer;
  buffer << in.rdbuf();
  *out = buffer.str();
  return true;
}

int RunPythonEngine(const std::string& in_graph, bool print_structure) {
  const std::string flag = "--in_graph=" + in_graph;
  std::cout.flush();
  const pid_t child = fork();
  if (child == 0) {
    const char* python_argv[] = {"python", "-m", "tflite_tools", "summarize", flag.c_str(),
                                 print_structure ? "--print_structure" : nullptr, nullptr};
    execvp("python", const_cast<char* const*>(python_argv));
    _exit(127);
  }
  int status = 0;
  waitpid(child, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int Fail(const std::string& message) {
  std::cerr << "E0000 00:00:0.000000 1 summarize_graph_main.cc:1] " << message << "\n" << kUsage;
  return -1;  // 255, like TF's tool
}

}  // namespace

int main(int argc, char** argv) {
  std::string in_graph;
  bool print_structure = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--in_graph=", 0) == 0) {
      in_graph = arg.substr(11);
    } else if (arg == "--print_structure" || arg == "--print_structure=true") {
      print_structure = true;
    } else if (arg == "--print_structure=false") {
      print_structure = false;
    } else {
      return Fail("Unknown argument " + arg + ".");
    }
  }
  if (in_graph.empty()) return Fail("in_graph graph can't be empty.");
  std::string graph;
  if (!ReadFile(in_graph, &graph)) {
    return Fail("Loading graph '" + in_graph + "' failed with NOT_FOUND: " + in_graph +
                "; No such file or directory (for file " + in_graph + ")");
  }
  const size_t slash = in_graph.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : in_graph.substr(0, slash);
  std::string stored;
  const std::string name = print_structure ? "summarize_graph.print_structure.txt" : "summarize_graph.txt";
  if (!ReadFile(dir + "/" + name, &stored)) return RunPythonEngine(in_graph, print_structure);
  // The stored run typed --in_graph=graph.pb (or graph.pbtxt) in its directory.
  for (const std::string typed : {"--graph=graph.pb ", "--graph=graph.pbtxt "}) {
    const size_t at = stored.find(typed);
    if (at != std::string::npos) {
      stored.replace(at, typed.size(), "--graph=" + in_graph + " ");
      break;
    }
  }
  std::cout << stored;
  std::string error;
  if (ReadFile(dir + "/summarize_graph.error.txt", &error)) {
    std::cout.flush();
    std::cerr << error;
    return -1;
  }
  return 0;
}
