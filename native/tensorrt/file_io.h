// Whole-file read and atomic write (temp file + rename: a crash never leaves half a cache).
// Header-free.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace yoloe::trt {

bool fileExists(const std::string& path);
// Throws BackendError(code) when the file cannot be read.
std::vector<char> readWholeFile(const std::string& path, const char* code);
void writeFileAtomic(const std::string& path, const void* data, size_t size, const char* code);

}  // namespace yoloe::trt
