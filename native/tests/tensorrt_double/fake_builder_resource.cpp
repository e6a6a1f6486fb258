// Stands in for libnvinfer_builder_resource.so.<version>: it only has to exist and load.
extern "C" __attribute__((visibility("default"))) int yoloe_fake_builder_resource() { return 1; }
