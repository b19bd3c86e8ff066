// Anchors the test-support library so it always has at least one source file.
namespace cutover::test {
int support_anchor = 0;
}
