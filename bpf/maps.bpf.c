/* Defines every weir map once; the program objects declare them extern. */
#define WEIR_DEFINE_MAPS
#include "lib/common.h"

char LICENSE[] SEC("license") = "GPL";
