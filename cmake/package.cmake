# Installing sigctx, and its Debian package (`cpack -G DEB` in the build directory, or
# `cmake --build BUILD --target package`): the static binary as /usr/bin/sigctx, so the package
# installs on any x86-64 Debian or Ubuntu with nothing else present; the man page; bash and zsh
# completion written by that binary from its own CLI; the expectation files (compiled in too,
# here for reading and as examples for --expect) and the result schemas; the kselftest wrapper;
# the documentation.
include(GNUInstallDirs)

# The static executable: sigctx itself in a SIGCTX_STATIC build, else sigctx-static.
if(SIGCTX_STATIC)
  set(SIGCTX_INSTALLED_TARGET sigctx)
else()
  set(SIGCTX_INSTALLED_TARGET sigctx-static)
endif()

set(SIGCTX_PACKAGE_FILES ${CMAKE_BINARY_DIR}/package-files)
add_custom_command(
  OUTPUT ${SIGCTX_PACKAGE_FILES}/sigctx.1.gz ${SIGCTX_PACKAGE_FILES}/changelog.gz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SIGCTX_PACKAGE_FILES}
  COMMAND sh -c "gzip -9 -n -c \"$1\" > \"$2\"" sh ${CMAKE_SOURCE_DIR}/docs/sigctx.1
          ${SIGCTX_PACKAGE_FILES}/sigctx.1.gz
  COMMAND sh -c "gzip -9 -n -c \"$1\" > \"$2\"" sh ${CMAKE_SOURCE_DIR}/docs/changelog
          ${SIGCTX_PACKAGE_FILES}/changelog.gz
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/sigctx.1 ${CMAKE_SOURCE_DIR}/docs/changelog
  COMMENT "Compressing the man page and the changelog"
  VERBATIM)
# Stripped: the routine names failures are reported at come from sigctx's own tables, not the
# symbol table, so the stripped binary reports the same, 1.1 MB smaller.
add_custom_command(
  OUTPUT ${SIGCTX_PACKAGE_FILES}/sigctx
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SIGCTX_PACKAGE_FILES}
  COMMAND ${CMAKE_STRIP} -o ${SIGCTX_PACKAGE_FILES}/sigctx $<TARGET_FILE:${SIGCTX_INSTALLED_TARGET}>
  DEPENDS ${SIGCTX_INSTALLED_TARGET}
  COMMENT "Stripping the static sigctx for the package"
  VERBATIM)
add_custom_command(
  OUTPUT ${SIGCTX_PACKAGE_FILES}/completion/sigctx ${SIGCTX_PACKAGE_FILES}/completion/_sigctx
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SIGCTX_PACKAGE_FILES}/completion
  COMMAND sh -c "\"$1\" completion bash > \"$2\"" sh ${SIGCTX_PACKAGE_FILES}/sigctx
          ${SIGCTX_PACKAGE_FILES}/completion/sigctx
  COMMAND sh -c "\"$1\" completion zsh > \"$2\"" sh ${SIGCTX_PACKAGE_FILES}/sigctx
          ${SIGCTX_PACKAGE_FILES}/completion/_sigctx
  DEPENDS ${SIGCTX_PACKAGE_FILES}/sigctx
  COMMENT "Writing the bash and zsh completion from sigctx's CLI"
  VERBATIM)
add_custom_target(sigctx_package_files ALL
  DEPENDS ${SIGCTX_PACKAGE_FILES}/sigctx ${SIGCTX_PACKAGE_FILES}/sigctx.1.gz
          ${SIGCTX_PACKAGE_FILES}/changelog.gz ${SIGCTX_PACKAGE_FILES}/completion/sigctx ${SIGCTX_PACKAGE_FILES}/completion/_sigctx)

install(PROGRAMS ${SIGCTX_PACKAGE_FILES}/sigctx DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${SIGCTX_PACKAGE_FILES}/sigctx.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${SIGCTX_PACKAGE_FILES}/completion/sigctx
        DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${SIGCTX_PACKAGE_FILES}/completion/_sigctx
        DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(DIRECTORY ${CMAKE_SOURCE_DIR}/results/expectations/
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sigctx/expectations FILES_MATCHING PATTERN "*.json")
install(FILES ${CMAKE_SOURCE_DIR}/results/sigctx-result-1.schema.json
              ${CMAKE_SOURCE_DIR}/results/sigctx-expectations-1.schema.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/sigctx/schemas)
# A kselftest collection: merged into a kselftest install, `run_kselftest.sh -c sigctx` runs it.
install(FILES ${CMAKE_SOURCE_DIR}/ci/kselftest/kselftest-list.txt
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/sigctx/kselftest)
install(PROGRAMS ${CMAKE_SOURCE_DIR}/ci/kselftest/sigctx/run_tests
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/sigctx/kselftest/sigctx)
install(FILES ${CMAKE_SOURCE_DIR}/ci/kselftest/sigctx/settings
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/sigctx/kselftest/sigctx)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${CMAKE_SOURCE_DIR}/docs/copyright
              ${SIGCTX_PACKAGE_FILES}/changelog.gz
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_SOURCE_DIR}/cmake/lintian/sigctx
        DESTINATION ${CMAKE_INSTALL_DATADIR}/lintian/overrides)
# docs/matrix.md is a committed result (half a megabyte), not documentation.
install(DIRECTORY ${CMAKE_SOURCE_DIR}/docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}
        FILES_MATCHING PATTERN "*.md" PATTERN "matrix.md" EXCLUDE)
install(FILES ${CMAKE_SOURCE_DIR}/ci/github-actions.yml ${CMAKE_SOURCE_DIR}/ci/gitlab-ci.yml
        DESTINATION ${CMAKE_INSTALL_DOCDIR}/ci)

set(CPACK_PACKAGE_NAME sigctx)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the sigctx developers")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "x86-64 CPU state conformance across signals, contexts and switches")
string(JOIN "\n" CPACK_PACKAGE_DESCRIPTION
  "sigctx fills every x86-64 register with lane-unique patterns (general"
  "registers, x87, SSE, AVX, AVX-512, PKRU, AMX, APX, FS and GS base), performs"
  "a signal, context, context-switch, fork, ptrace or core-dump transition,"
  "and reports every bit the OS did not preserve: component, register, lane,"
  "bytes, instruction, and a command that reproduces it. It also checks that"
  "zeroed memory stays zero. One static binary: no other package is needed.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # sigctx_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE amd64)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "sigctx developers <maintainers@users.noreply.github.com>")
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Statically linked: no Depends, and dpkg-shlibdeps has nothing to find.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "qemu-system-x86, bochs, user-mode-linux, bash-completion")
set(CPACK_DEBIAN_COMPRESSION_TYPE xz)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/package)
include(CPack)
