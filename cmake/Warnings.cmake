# Zero warnings is the bar: -Wall -Wextra plus a few that catch real bugs in network code.
function(cutover_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wformat=2 -Wimplicit-fallthrough)
  # Not -Wnull-dereference: it fires inside inlined Boost.Asio code we cannot change.
  if(CUTOVER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
