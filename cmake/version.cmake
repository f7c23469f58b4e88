# The git revision is read at build time (not configure time), so a rebuilt binary always
# reports the commit it was built from.
set(SIGCTX_VERSION_OUT ${CMAKE_BINARY_DIR}/generated/sigctx_version.h)
add_custom_target(sigctx_version
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR} -DOUT=${SIGCTX_VERSION_OUT}
          -DVERSION=${PROJECT_VERSION} -P ${CMAKE_SOURCE_DIR}/cmake/write_version.cmake
  BYPRODUCTS ${SIGCTX_VERSION_OUT}
  COMMENT "Recording the git revision")
