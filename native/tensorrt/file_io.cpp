#include "file_io.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "errors.h"

namespace yoloe::trt {

bool fileExists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

std::vector<char> readWholeFile(const std::string& path, const char* code) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw BackendError(code, "Cannot read " + path);
  const std::streamoff size = file.tellg();
  std::vector<char> bytes(static_cast<size_t>(size));
  file.seekg(0);
  file.read(bytes.data(), size);
  if (!file) throw BackendError(code, "Cannot read " + path + " completely");
  return bytes;
}

void writeFileAtomic(const std::string& path, const void* data, size_t size, const char* code) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
    file.write(static_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!file) {
      std::remove(temporary.c_str());
      throw BackendError(code, "Cannot write " + temporary);
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw BackendError(code, "Cannot replace " + path);
  }
}

}  // namespace yoloe::trt
