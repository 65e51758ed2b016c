# Configures the source tree with -DMOMOK_BUILD_UI=OFF while the UI's packages cannot be
# found, then checks which programs the configured build offers and that it compiles what the
# full build compiles, alike. Run by CTest (build_without_ui_configures):
# cmake -DSOURCE_DIR=… -DBINARY_DIR=… -DMAIN_BINARY_DIR=… -DMOMOK_PROGRAM=… -DGENERATOR=… -P this file.
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
if(NOT listed EQUAL 0 OR NOT targets MATCHES "(^|\n)momok:" OR NOT targets MATCHES "(^|\n)momok_program:"
   OR NOT targets MATCHES "(^|\n)tst_distributed:")
    message(FATAL_ERROR "the build without the UI lacks momok or its engine tests:\n${targets}")
endif()
foreach(ui_target momok-studio momok_studio_program momok_ui tst_packaging tst_mainwindow)
    if(targets MATCHES "(^|\n)${ui_target}:")
        message(FATAL_ERROR "the build without the UI still has ${ui_target}")
    endif()
endforeach()

# Compiled without the UI too: every file the headless build compiles, this (full) build
# compiles with the very same command (build folders aside), so the full build's success is
# the headless one's; and the full build's momok needs none of the UI's libraries.
# Sets <prefix>_<object file as identifier> to each entry's command and out_var to the object files.
function(compile_commands_by_output json_file build_dir prefix out_var)
    file(READ ${json_file} json)
    string(JSON count LENGTH "${json}")
    math(EXPR last "${count} - 1")
    set(outputs "")
    foreach(i RANGE ${last})
        string(JSON command GET "${json}" ${i} command)
        # The object file names the entry (CMake 3.25 writes no "output" key; a source may
        # be compiled for several targets).
        if(NOT command MATCHES " -o ([^ ]+) ")
            message(FATAL_ERROR "${json_file}: entry ${i} names no object file: ${command}")
        endif()
        set(output "${CMAKE_MATCH_1}")
        string(REPLACE "${build_dir}" "<build>" command "${command}")
        string(MAKE_C_IDENTIFIER "${output}" key)
        set(${prefix}_${key} "${command}" PARENT_SCOPE)
        list(APPEND outputs ${output})
    endforeach()
    set(${out_var} ${outputs} PARENT_SCOPE)
endfunction()
compile_commands_by_output(${BINARY_DIR}/compile_commands.json ${BINARY_DIR} headless headless_outputs)
compile_commands_by_output(${MAIN_BINARY_DIR}/compile_commands.json ${MAIN_BINARY_DIR} full full_outputs)
list(LENGTH headless_outputs compiled)
if(compiled LESS 20)
    message(FATAL_ERROR "the build without the UI lists only ${compiled} compile commands")
endif()
foreach(output ${headless_outputs})
    string(MAKE_C_IDENTIFIER "${output}" key)
    if(NOT DEFINED full_${key})
        message(FATAL_ERROR "the build without the UI compiles ${output}, which the full build does not")
    endif()
    if(NOT headless_${key} STREQUAL full_${key})
        message(FATAL_ERROR "${output} compiles differently without the UI:\n  ${headless_${key}}\n  ${full_${key}}")
    endif()
endforeach()
execute_process(COMMAND readelf -d ${MOMOK_PROGRAM} OUTPUT_VARIABLE dynamic RESULT_VARIABLE read)
if(NOT read EQUAL 0 OR NOT dynamic MATCHES "libQt6Core")
    message(FATAL_ERROR "cannot read the libraries ${MOMOK_PROGRAM} needs")
endif()
foreach(ui_library Qt6Widgets Qt6Svg Qt6PrintSupport Qt6Concurrent qcustomplot)
    if(dynamic MATCHES "lib${ui_library}")
        message(FATAL_ERROR "${MOMOK_PROGRAM} needs lib${ui_library}, a UI library")
    endif()
endforeach()
file(REMOVE_RECURSE ${BINARY_DIR})
message(STATUS "configured without the UI: momok and the engine's tests, no desktop app; "
               "its ${compiled} compile commands are the full build's, and momok needs no UI library")
