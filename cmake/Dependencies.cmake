# Everything comes from Debian 12 packages; scripts/install-deps.sh installs them.
find_package(Threads REQUIRED)
find_package(Boost 1.81.0 EXACT CONFIG REQUIRED)  # Beast, Asio, URL are header-only here
find_package(OpenSSL 3 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(libjwt REQUIRED IMPORTED_TARGET libjwt)   # JWT signatures (HS256/RS256)
pkg_check_modules(xxhash REQUIRED IMPORTED_TARGET libxxhash) # stable bucket hash (XXH64)

# A request in flight holds six coroutine frames and a few Asio operations; with hundreds or
# thousands in flight they outnumber Asio's per-thread cache and glibc's tcache, and glibc's bins
# then cost ~2,000 instructions and cold memory per request. mimalloc keeps free lists per size
# and per page, so a new request reuses what the last one freed. Linked as a shared library it
# replaces malloc for the whole process (libstdc++ and OpenSSL included).
set(CUTOVER_ALLOCATOR "")
if(CUTOVER_MIMALLOC)
  # 2.0 exactly (Debian 12 ships 2.0.9): src/common/heap.cpp sets options that 2.1 renamed.
  find_package(mimalloc 2.0 EXACT REQUIRED)
  set(CUTOVER_ALLOCATOR mimalloc)
endif()

# Asio, Beast and URL compiled once (separate compilation) instead of in every translation unit.
add_library(cutover_asio STATIC ${CMAKE_CURRENT_SOURCE_DIR}/src/common/asio_impl.cxx)
target_compile_definitions(cutover_asio PUBLIC
  BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
  BOOST_ASIO_NO_DEPRECATED)
target_link_libraries(cutover_asio PUBLIC Boost::headers OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
if(CUTOVER_FUZZ)
  set_target_properties(cutover_asio PROPERTIES EXCLUDE_FROM_ALL ON)
endif()
