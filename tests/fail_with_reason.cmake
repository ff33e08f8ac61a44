# A test that cannot run fails with this, saying why: cmake -DREASON=... -P fail_with_reason.cmake
message(FATAL_ERROR "${REASON}")
