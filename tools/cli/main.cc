#include <iostream>

#include "tools/cli/cli.h"
#include "tools/cli/pre_checks.h"

int main(int argc, char** argv) {
  return weir::cli::run(argc, argv, std::cout, std::cerr, weir::cli::preInstallChecks());
}
