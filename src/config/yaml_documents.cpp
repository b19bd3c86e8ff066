// The config's YAML documents, read without yaml-cpp's LoadAll: on a flow collection followed by
// stray text ("{...},") LoadAll never returns, because its parser then yields empty documents
// forever, and a reload of such a file would wedge the control thread. The first document is
// loaded on its own; the ones after it are only looked at, a bounded number of them.
#include "config/yaml_reader.hpp"

#include <yaml-cpp/eventhandler.h>

#include <sstream>

namespace cutover::config {
namespace {

// Records, per document, where it starts and where its content does, if it has any but a null.
class DocumentScan final : public YAML::EventHandler {
 public:
  struct Document {
    Mark at;  // its start; its content's once it has some
    bool has_content = false;
  };
  std::vector<Document> documents;

  void OnDocumentStart(const YAML::Mark& mark) override { documents.push_back({{mark.line + 1, mark.column + 1}, false}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { content(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string&) override {
    content(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    content(mark);
  }
  void OnMapEnd() override {}

 private:
  void content(const YAML::Mark& mark) {
    if (documents.empty() || documents.back().has_content) return;
    documents.back() = {{mark.line + 1, mark.column + 1}, true};
  }
};

// More documents than any config file has; past them the text is one yaml-cpp cannot end.
constexpr std::size_t kMaxDocuments = 64;

}  // namespace

YAML::Node load_single_document(std::string_view text, DiagnosticSink& sink) {
  const std::string copy(text);
  YAML::Node root = YAML::Load(copy);  // throws YAML::Exception on a syntax error
  std::istringstream in(copy);
  YAML::Parser parser(in);
  DocumentScan scan;
  while (scan.documents.size() <= kMaxDocuments && parser.HandleNextDocument(scan)) {
  }
  if (scan.documents.size() > kMaxDocuments) {
    sink.error(scan.documents[1].at, "text after the first YAML document that YAML cannot read (a stray ',' or "
                                     "bracket after a {...} or [...]?)");
    return root;
  }
  // A second `---` document would otherwise be ignored without a word.
  for (std::size_t i = 1; i < scan.documents.size(); ++i) {
    if (!scan.documents[i].has_content) continue;
    sink.error(scan.documents[i].at, "the config must be one YAML document; this one after '---' would be ignored");
  }
  return root;
}

}  // namespace cutover::config
