# cutover_module(NAME DEPS ...): a static library from src/NAME/*.cpp with the public include dir.
# Globbing keeps module ownership simple: adding a file to a folder adds it to its module.
function(cutover_module name)
  cmake_parse_arguments(M "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/src/${name}/*.cpp)
  if(NOT sources)  # a module still being written: headers only
    add_library(cutover_${name} INTERFACE)
    target_include_directories(cutover_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(cutover_${name} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(cutover_${name} STATIC ${sources})
  target_include_directories(cutover_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include
                                             PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(cutover_${name} PUBLIC ${M_DEPS})
  target_compile_definitions(cutover_${name} PUBLIC CUTOVER_VERSION="${PROJECT_VERSION}")
  cutover_warnings(cutover_${name})
  if(CUTOVER_FUZZ)  # built only when a fuzz target links it
    set_target_properties(cutover_${name} PROPERTIES EXCLUDE_FROM_ALL ON)
  endif()
endfunction()
