# Runs PROGRAM ARGS alone and then MPIRUN PROGRAM ARGS --distributed, and passes when both
# print the same final line, the match of the regular expression FINAL_LINE (the
# data-parallel run follows the one-process trajectory within rounding, below the printed
# decimals).
set(out_single ${WORK_DIR}/single)
set(out_distributed ${WORK_DIR}/distributed)
execute_process(COMMAND ${PROGRAM} ${ARGS} --out ${out_single}
                RESULT_VARIABLE status OUTPUT_VARIABLE single ERROR_VARIABLE err TIMEOUT 60)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} failed (${status}): ${single}${err}")
endif()
execute_process(COMMAND ${MPIRUN} ${PROGRAM} ${ARGS} --distributed --out ${out_distributed}
                RESULT_VARIABLE status OUTPUT_VARIABLE distributed ERROR_VARIABLE err TIMEOUT 60)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} --distributed failed (${status}): ${distributed}${err}")
endif()
message("one process:\n${single}\ndata-parallel:\n${distributed}")
string(REGEX MATCH "${FINAL_LINE}" single_line "${single}")
string(REGEX MATCH "${FINAL_LINE}" distributed_line "${distributed}")
if(single_line STREQUAL "" OR NOT single_line STREQUAL distributed_line)
  message(FATAL_ERROR "final lines differ: '${single_line}' alone, '${distributed_line}' data-parallel")
endif()
