include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(DIRECTORY include/bsvpeer DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS bsvpeer bsvpeer_wire bsvpeer_net bsvpeer_log bsvpeer_peer bsvpeer_conn bsvpeer_node
        EXPORT bsvpeerTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT bsvpeerTargets NAMESPACE bsvpeer::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bsvpeer)
configure_package_config_file(cmake/bsvpeerConfig.cmake.in
  ${CMAKE_CURRENT_BINARY_DIR}/bsvpeerConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bsvpeer)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/bsvpeerConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/bsvpeerConfig.cmake
              ${CMAKE_CURRENT_BINARY_DIR}/bsvpeerConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/bsvpeer)
