#include "common/config/objects.h"

#include "common/config/document.h"
#include "common/config/parsed_document.h"
#include "common/config/validate.h"

namespace weir::config {

ObjectPtr parseObject(const std::string& source, std::string_view text,
                      const ObjectOptions& options) {
  auto out = std::make_shared<ParsedDocument>();
  try {
    *out = parseDocument(source, TextDocument{text, Document::kNoLines}, options.pods);
  } catch (const std::exception& e) {  // bad_alloc and the like: never out of the library
    out->errors.push_back(
        Diagnostic{SourceRef{source, 0}, "", "", std::string("cannot load: ") + e.what()});
  }
  return out;
}

LoadResult buildModel(const std::vector<ObjectPtr>& objects) {
  LoadResult result;
  ModelBuilder builder;
  try {
    for (const ObjectPtr& object : objects) {
      addDocument(*object, builder, result);
    }
  } catch (const std::exception& e) {
    result.errors.push_back(Diagnostic{{}, "", "", std::string("cannot build: ") + e.what()});
  }
  result.model = std::move(builder).finish();
  meshPods(result.model);
  return result;
}

}  // namespace weir::config
