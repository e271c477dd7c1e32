# Applied to our own targets only (never to consumers).
function(bsvpeer_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra)
  if(BSVPEER_DEVELOPER_MODE)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()
