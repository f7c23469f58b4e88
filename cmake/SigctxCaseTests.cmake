# Included by CTest (TEST_INCLUDE_FILES, see tests/CMakeLists.txt) with SIGCTX_BINARY set: every
# case of the built sigctx becomes a test "case:<id>" running `sigctx run --cases <id>`,
# labelled by area, transition and component (`ctest -L sigctx-case -L avx`). A case that
# skips here is reported as skipped, by its exit status. The list is read when ctest runs, so it always matches
# the binary.
execute_process(COMMAND "${SIGCTX_BINARY}" list --ctest
                OUTPUT_VARIABLE sigctx_cases RESULT_VARIABLE sigctx_rc ERROR_VARIABLE sigctx_err)
if(NOT sigctx_rc EQUAL 0)
  # Visible as a failing test rather than silently no case tests.
  add_test(sigctx-case-list "${SIGCTX_BINARY}" list --ctest)
  return()
endif()
# Lines "ID<TAB>LABEL,...[<TAB>ARG,...]": no field is empty and none holds ';', so the list
# commands below see no empty element.
string(STRIP "${sigctx_cases}" sigctx_cases)
string(REPLACE "\n" ";" sigctx_lines "${sigctx_cases}")
foreach(sigctx_line IN LISTS sigctx_lines)
  if(sigctx_line STREQUAL "")
    continue()
  endif()
  string(REPLACE "\t" ";" sigctx_fields "${sigctx_line}")
  list(GET sigctx_fields 0 sigctx_id)
  list(GET sigctx_fields 1 sigctx_labels)
  string(REPLACE "," ";" sigctx_labels "${sigctx_labels}")
  list(LENGTH sigctx_fields sigctx_n)
  set(sigctx_extra "")
  if(sigctx_n GREATER 2)
    list(GET sigctx_fields 2 sigctx_extra)
    string(REPLACE "," ";" sigctx_extra "${sigctx_extra}")
  endif()
  # --bisect's exit statuses: 0 pass, 1 fail, 125 when every case selected skipped.
  add_test("case:${sigctx_id}" "${SIGCTX_BINARY}" run --bisect --cases "${sigctx_id}"
           ${sigctx_extra})
  set_tests_properties("case:${sigctx_id}" PROPERTIES
                       LABELS "${sigctx_labels}"
                       SKIP_RETURN_CODE 125
                       TIMEOUT 300)
endforeach()
