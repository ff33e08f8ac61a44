# Runs SPIRAL ARGS alone and then MPIRUN SPIRAL ARGS --distributed, and passes when both
# print the same final line "<model>: loss L accuracy A" (the data-parallel run follows
# the one-process trajectory within rounding, far below the six printed decimals).
# FINAL_LINE, when given, is the final line's regular expression instead (digits).
if(NOT DEFINED FINAL_LINE)
  set(FINAL_LINE "[a-z-]+: loss [0-9.]+ accuracy [0-9.]+")
endif()
set(out_single ${WORK_DIR}/single)
set(out_distributed ${WORK_DIR}/distributed)
execute_process(COMMAND ${SPIRAL} ${ARGS} --out ${out_single}
                RESULT_VARIABLE status OUTPUT_VARIABLE single ERROR_VARIABLE err TIMEOUT 60)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "spiral failed (${status}): ${single}${err}")
endif()
execute_process(COMMAND ${MPIRUN} ${SPIRAL} ${ARGS} --distributed --out ${out_distributed}
                RESULT_VARIABLE status OUTPUT_VARIABLE distributed ERROR_VARIABLE err TIMEOUT 60)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "spiral --distributed failed (${status}): ${distributed}${err}")
endif()
message("one process:\n${single}\ndata-parallel:\n${distributed}")
string(REGEX MATCH "${FINAL_LINE}" single_line "${single}")
string(REGEX MATCH "${FINAL_LINE}" distributed_line "${distributed}")
if(single_line STREQUAL "" OR NOT single_line STREQUAL distributed_line)
  message(FATAL_ERROR "final lines differ: '${single_line}' alone, '${distributed_line}' data-parallel")
endif()
