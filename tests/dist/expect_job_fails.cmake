# Runs MPIRUN PROGRAM MODE and passes when the job fails (non-zero status) within the time
# bound and its output holds the line EXPECTED (a regular expression).
set(bound_seconds 60)
execute_process(COMMAND ${MPIRUN} ${PROGRAM} ${MODE}
                RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${bound_seconds})
set(all "${out}${err}")
message("${all}")
if(status MATCHES "timeout" OR status MATCHES "Process terminated due to timeout")
  message(FATAL_ERROR "the job did not end within ${bound_seconds} s after the fault: a rank was left hanging")
endif()
if(status EQUAL 0)
  message(FATAL_ERROR "the job exited with status 0 despite the fault")
endif()
if(NOT all MATCHES "${EXPECTED}")
  message(FATAL_ERROR "the output lacks a line matching '${EXPECTED}'")
endif()
message("the job failed as it should (status ${status}) and named the rank and the reason")
