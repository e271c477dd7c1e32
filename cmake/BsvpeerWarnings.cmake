# Applied to our own targets only (never to consumers).
function(bsvpeer_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  # GCC 12 reports false maybe-uninitialized warnings when std::variant/optional members are
  # moved at -O2/-O3 (e.g. the connection actions); the other compilers' checks stay on.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-maybe-uninitialized)
    # ...and a false mismatched-new-delete on coroutine frames (GCC bug 103049).
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
    # ...and a false restrict warning inside std::string at -O3 (GCC bug 105329).
    target_compile_options(${target} PRIVATE $<$<CONFIG:Release>:-Wno-restrict>)
  endif()
  if(BSVPEER_DEVELOPER_MODE)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
