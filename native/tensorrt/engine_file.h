// Engine file layouts, recognised before any byte reaches TensorRT. Header-free and always
// compiled (lib/backends/engine-file.ts is its TypeScript twin; a test compares both).
//   yoloe:        "YOLOETRT" | u32 LE format version | u32 LE JSON length | JSON metadata | plan
//   ultralytics:  u32 LE JSON length | JSON metadata | plan        (Ultralytics' export)
//   raw:          plan only (trtexec and friends)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace yoloe::trt {

inline constexpr char kEngineMagic[8] = {'Y', 'O', 'L', 'O', 'E', 'T', 'R', 'T'};
inline constexpr uint32_t kEngineFormatVersion = 1;
// A metadata header larger than this is not one of ours: treat the file as something else.
inline constexpr uint32_t kMaxMetadataBytes = 16u << 20;

enum class EngineFileKind { Yoloe, Ultralytics, Raw };

struct EngineFileHeader {
  EngineFileKind kind = EngineFileKind::Raw;
  uint32_t formatVersion = 0;  // yoloe only
  std::string metadataJson;    // empty for raw plans
  uint64_t planOffset = 0;
};

const char* engineFileKindName(EngineFileKind kind);

// Reads the header from the first bytes of a file (`size` may be the whole file or a prefix of
// at least 16 bytes + metadata). Throws BackendError(ERR_MODEL_FORMAT) on a truncated or
// newer-format yoloe header.
EngineFileHeader parseEngineHeader(const uint8_t* data, size_t size, uint64_t fileSize);

// The bytes that go before the plan in a yoloe engine file.
std::vector<uint8_t> encodeEngineHeader(const std::string& metadataJson);

// Reads just the header of a file on disk (never the plan). Throws ERR_FILE_NOT_FOUND /
// ERR_MODEL_FORMAT.
EngineFileHeader readEngineFileHeader(const std::string& path);

// Reads the plan bytes that follow the header.
std::vector<uint8_t> readEnginePlan(const std::string& path, uint64_t planOffset);

}  // namespace yoloe::trt
