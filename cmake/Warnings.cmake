# Zero warnings is the bar: -Wall -Wextra plus a few that catch real bugs in network code.
function(cutover_warnings target)
  target_compile_options(${target} PRIVATE
    -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wcast-align
    -Wunused -Woverloaded-virtual -Wnull-dereference -Wformat=2 -Wimplicit-fallthrough)
  if(CUTOVER_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
