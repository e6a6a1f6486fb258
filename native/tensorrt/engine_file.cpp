#include "engine_file.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "errors.h"

namespace yoloe::trt {

namespace {

uint32_t readU32LE(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) | (static_cast<uint32_t>(p[2]) << 16) |
         (static_cast<uint32_t>(p[3]) << 24);
}

void writeU32LE(std::vector<uint8_t>& out, uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) out.push_back(static_cast<uint8_t>((value >> shift) & 0xffu));
}

// Ultralytics writes a JSON object right after the length: it must start with '{' and end with
// '}' or the file is a raw plan whose first bytes happen to look like a small length.
bool looksLikeJsonObject(const uint8_t* json, uint32_t length) {
  if (length < 2 || json[0] != '{') return false;
  uint32_t end = length;
  while (end > 1 && (json[end - 1] == ' ' || json[end - 1] == '\n' || json[end - 1] == '\r')) --end;
  return json[end - 1] == '}';
}

}  // namespace

const char* engineFileKindName(EngineFileKind kind) {
  switch (kind) {
    case EngineFileKind::Yoloe:
      return "yoloe";
    case EngineFileKind::Ultralytics:
      return "ultralytics";
    case EngineFileKind::Raw:
      return "raw";
  }
  return "raw";
}

EngineFileHeader parseEngineHeader(const uint8_t* data, size_t size, uint64_t fileSize) {
  EngineFileHeader header;
  if (size >= sizeof(kEngineMagic) && std::memcmp(data, kEngineMagic, sizeof(kEngineMagic)) == 0) {
    if (size < 16) throw BackendError(kErrModelFormat, "Engine file header is truncated (shorter than 16 bytes)");
    header.kind = EngineFileKind::Yoloe;
    header.formatVersion = readU32LE(data + 8);
    const uint32_t length = readU32LE(data + 12);
    if (header.formatVersion == 0 || header.formatVersion > kEngineFormatVersion) {
      throw BackendError(kErrModelFormat, "Engine file format version " + std::to_string(header.formatVersion) +
                                              " is not supported (this build reads up to " +
                                              std::to_string(kEngineFormatVersion) + ")");
    }
    if (length > kMaxMetadataBytes || 16ull + length > fileSize || 16ull + length > size) {
      throw BackendError(kErrModelFormat, "Engine file metadata is truncated (declares " + std::to_string(length) +
                                              " bytes, file has " + std::to_string(fileSize) + ")");
    }
    header.metadataJson.assign(reinterpret_cast<const char*>(data + 16), length);
    header.planOffset = 16ull + length;
    return header;
  }
  if (size >= 4) {
    const uint32_t length = readU32LE(data);
    if (length > 0 && length <= kMaxMetadataBytes && 4ull + length < fileSize && 4ull + length <= size &&
        looksLikeJsonObject(data + 4, length)) {
      header.kind = EngineFileKind::Ultralytics;
      header.metadataJson.assign(reinterpret_cast<const char*>(data + 4), length);
      header.planOffset = 4ull + length;
      return header;
    }
  }
  header.kind = EngineFileKind::Raw;
  header.planOffset = 0;
  return header;
}

std::vector<uint8_t> encodeEngineHeader(const std::string& metadataJson) {
  if (metadataJson.size() > kMaxMetadataBytes) {
    throw BackendError(kErrInvalidOption, "Engine metadata is larger than 16 MiB");
  }
  std::vector<uint8_t> out(kEngineMagic, kEngineMagic + sizeof(kEngineMagic));
  writeU32LE(out, kEngineFormatVersion);
  writeU32LE(out, static_cast<uint32_t>(metadataJson.size()));
  out.insert(out.end(), metadataJson.begin(), metadataJson.end());
  return out;
}

namespace {

std::ifstream openEngineFile(const std::string& path, uint64_t& fileSize) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) throw BackendError(kErrFileNotFound, "Engine file not found or unreadable: " + path);
  fileSize = static_cast<uint64_t>(file.tellg());
  file.seekg(0);
  return file;
}

}  // namespace

EngineFileHeader readEngineFileHeader(const std::string& path) {
  uint64_t fileSize = 0;
  std::ifstream file = openEngineFile(path, fileSize);
  std::vector<uint8_t> prefix(static_cast<size_t>(std::min<uint64_t>(fileSize, 16)));
  file.read(reinterpret_cast<char*>(prefix.data()), static_cast<std::streamsize>(prefix.size()));
  // The first 16 bytes say how long the metadata is; read exactly that much more.
  uint64_t wanted = prefix.size();
  if (prefix.size() >= 16 && std::memcmp(prefix.data(), kEngineMagic, sizeof(kEngineMagic)) == 0) {
    wanted = 16ull + std::min<uint64_t>(readU32LE(prefix.data() + 12), kMaxMetadataBytes);
  } else if (prefix.size() >= 4) {
    wanted = 4ull + std::min<uint64_t>(readU32LE(prefix.data()), kMaxMetadataBytes);
  }
  wanted = std::min(wanted, fileSize);
  if (wanted > prefix.size()) {
    const size_t have = prefix.size();
    prefix.resize(static_cast<size_t>(wanted));
    file.read(reinterpret_cast<char*>(prefix.data() + have), static_cast<std::streamsize>(wanted - have));
  }
  return parseEngineHeader(prefix.data(), prefix.size(), fileSize);
}

std::vector<uint8_t> readEnginePlan(const std::string& path, uint64_t planOffset) {
  uint64_t fileSize = 0;
  std::ifstream file = openEngineFile(path, fileSize);
  if (planOffset >= fileSize) throw BackendError(kErrModelFormat, "Engine file has no plan after its header: " + path);
  std::vector<uint8_t> plan(static_cast<size_t>(fileSize - planOffset));
  file.seekg(static_cast<std::streamoff>(planOffset));
  file.read(reinterpret_cast<char*>(plan.data()), static_cast<std::streamsize>(plan.size()));
  if (!file) throw BackendError(kErrModelFormat, "Engine file could not be read completely: " + path);
  return plan;
}

}  // namespace yoloe::trt
