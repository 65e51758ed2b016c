# Configures the source tree with -DMOMOK_BUILD_UI=OFF while the UI's packages cannot be
# found, then checks which programs the configured build offers. Run by CTest
# (build_without_ui_configures): cmake -DSOURCE_DIR=… -DBINARY_DIR=… -DGENERATOR=… -P this file.
file(REMOVE_RECURSE ${BINARY_DIR})
execute_process(
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${BINARY_DIR} -G ${GENERATOR} -DMOMOK_BUILD_UI=OFF
            -DCMAKE_DISABLE_FIND_PACKAGE_Qt6Widgets=ON -DCMAKE_DISABLE_FIND_PACKAGE_Qt6Svg=ON
            -DCMAKE_DISABLE_FIND_PACKAGE_Qt6PrintSupport=ON -DCMAKE_DISABLE_FIND_PACKAGE_Qt6Concurrent=ON
            -DCMAKE_DISABLE_FIND_PACKAGE_QCustomPlotQt6=ON
    RESULT_VARIABLE configured OUTPUT_VARIABLE output ERROR_VARIABLE output)
if(NOT configured EQUAL 0)
    message(FATAL_ERROR "configuring without the UI failed:\n${output}")
endif()
execute_process(COMMAND ${CMAKE_COMMAND} --build ${BINARY_DIR} --target help OUTPUT_VARIABLE targets RESULT_VARIABLE listed)
if(NOT listed EQUAL 0 OR NOT targets MATCHES "(^|\n)momok:" OR NOT targets MATCHES "(^|\n)tst_distributed:")
    message(FATAL_ERROR "the build without the UI lacks momok or its engine tests:\n${targets}")
endif()
foreach(ui_target momok-studio momok_ui tst_packaging tst_mainwindow)
    if(targets MATCHES "(^|\n)${ui_target}:")
        message(FATAL_ERROR "the build without the UI still has ${ui_target}")
    endif()
endforeach()
file(REMOVE_RECURSE ${BINARY_DIR})
message(STATUS "configured without the UI: momok and the engine's tests, no desktop app")
