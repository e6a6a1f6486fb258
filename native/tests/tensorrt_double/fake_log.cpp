// Compiled into each fake library (each keeps its own counters; the file is shared).
#include "fake_log.h"

#include <cstdio>
#include <map>
#include <mutex>

namespace yoloe_fake {

namespace {
std::mutex gMutex;
std::map<std::string, int> gAsked;
std::string gLastList;
}  // namespace

void record(const std::string& kind, const std::string& what) {
  const char* path = std::getenv("YOLOE_FAKE_LOG");
  if (path == nullptr || *path == '\0') return;
  std::lock_guard<std::mutex> lock(gMutex);
  if (FILE* file = std::fopen(path, "a")) {
    std::fprintf(file, "%s %s\n", kind.c_str(), what.c_str());
    std::fclose(file);
  }
}

bool failing(const std::string& what) {
  const char* list = std::getenv("YOLOE_FAKE_FAIL");
  std::lock_guard<std::mutex> lock(gMutex);
  // "what@N" counts from the moment YOLOE_FAKE_FAIL took its current value.
  const std::string current = list != nullptr ? list : "";
  if (current != gLastList) {
    gAsked.clear();
    gLastList = current;
  }
  const int count = ++gAsked[what];
  if (list == nullptr) return false;
  const std::string text = std::string(",") + list + ",";
  if (text.find("," + what + ",") != std::string::npos) return true;
  return text.find("," + what + "@" + std::to_string(count) + ",") != std::string::npos;
}

std::string setting(const char* name, const std::string& fallback) {
  const char* value = std::getenv((std::string("YOLOE_FAKE_") + name).c_str());
  return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

}  // namespace yoloe_fake
