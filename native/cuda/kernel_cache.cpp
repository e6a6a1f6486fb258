// Cubin / PTX cache files (see kernel_cache.h).
#include "kernel_cache.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace yoloe::cuda {
namespace {

constexpr char kMagic[8] = {'Y', 'O', 'L', 'O', 'E', 'K', 'C', '1'};
constexpr size_t kHeaderBytes = 8 + 8 + 8;  // magic, payload length, payload FNV-1a

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string keyText(const KernelCacheKey& k) {
  return k.target + "\n" + std::to_string(k.nvrtcMajor) + "." + std::to_string(k.nvrtcMinor) + "\n" + k.options + "\n" +
         k.sourceDigest;
}

// mkdir -p; true when the folder exists afterwards.
bool makeDirs(const std::string& dir) {
  for (size_t i = 1; i <= dir.size(); i++) {
    if (i == dir.size() || dir[i] == '/') {
      const std::string part = dir.substr(0, i);
      if (mkdir(part.c_str(), 0755) != 0 && errno != EEXIST) return false;
    }
  }
  struct stat st {};
  return stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void putU64(char* p, uint64_t v) {
  for (int i = 0; i < 8; i++) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

uint64_t getU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; i++) v |= static_cast<uint64_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  return v;
}

bool writeAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

std::atomic<unsigned> tempCounter{0};

}  // namespace

uint64_t fnv1a64(const void* data, size_t size, uint64_t seed) {
  uint64_t h = seed;
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; i++) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

std::string kernelCacheDir() {
  const char* env = std::getenv("YOLOE_TRT_KERNEL_CACHE");
  if (env != nullptr && *env != '\0') return std::strcmp(env, "off") == 0 ? std::string() : std::string(env);
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/yoloe-trt/kernels";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home == '/') return std::string(home) + "/.cache/yoloe-trt/kernels";
  return {};
}

std::string kernelCacheFileName(const KernelCacheKey& key) {
  const std::string text = keyText(key);
  return "yoloe-kernels-" + key.target + "-nvrtc" + std::to_string(key.nvrtcMajor) + "." + std::to_string(key.nvrtcMinor) +
         "-" + hex64(fnv1a64(text.data(), text.size())) + ".bin";
}

bool readCachedKernels(const std::string& dir, const KernelCacheKey& key, std::vector<char>* image) {
  if (dir.empty()) return false;
  const std::string path = dir + "/" + kernelCacheFileName(key);
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return false;
  std::vector<char> bytes;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + n);
  const bool readError = std::ferror(f) != 0;
  std::fclose(f);
  if (readError || bytes.size() < kHeaderBytes || std::memcmp(bytes.data(), kMagic, 8) != 0) return false;
  const uint64_t length = getU64(bytes.data() + 8);
  const uint64_t sum = getU64(bytes.data() + 16);
  if (length != bytes.size() - kHeaderBytes || length == 0) return false;
  if (fnv1a64(bytes.data() + kHeaderBytes, length) != sum) return false;
  image->assign(bytes.begin() + kHeaderBytes, bytes.end());
  return true;
}

std::string writeCachedKernels(const std::string& dir, const KernelCacheKey& key, const std::vector<char>& image) {
  if (dir.empty()) return "kernel cache disabled";
  if (!makeDirs(dir)) return "cannot create the kernel cache folder " + dir + ": " + std::strerror(errno);
  const std::string path = dir + "/" + kernelCacheFileName(key);
  const std::string temp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(tempCounter.fetch_add(1));
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return "cannot write " + temp + ": " + std::strerror(errno);
  char header[kHeaderBytes];
  std::memcpy(header, kMagic, 8);
  putU64(header + 8, image.size());
  putU64(header + 16, fnv1a64(image.data(), image.size()));
  const bool ok = writeAll(fd, header, kHeaderBytes) && writeAll(fd, image.data(), image.size()) && ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok || std::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(ok ? errno : err);
    ::unlink(temp.c_str());
    return "cannot write " + path + ": " + why;
  }
  return {};
}

}  // namespace yoloe::cuda
