# libtk_rt (docs/aot.md): the runtime kernels run with, as a shared and a
# static library, without LLVM. runtime/*.c plus the two support files its
# launch checks use (DLTensor validation, dtype names). libtk compiles the
# same files into its own layers (tk_jit, tk_support), so JIT and
# ahead-of-time code run the same runtime code.
file(GLOB TK_RT_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/runtime/*.c)
list(APPEND TK_RT_SOURCES ${CMAKE_SOURCE_DIR}/support/tensor.c ${CMAKE_SOURCE_DIR}/support/dtype.c)

# Vector math: generated code calls SLEEF's functions (Sleef_expf8_u10 ...)
# when SLEEF was found here; tkc build then emits those calls, and a
# program linking an object links libsleef with libtk_rt.
find_library(TK_SLEEF_LIB NAMES sleef libsleef.so.3)
set(TK_HAVE_SLEEF 0)
if(TK_SLEEF_LIB)
  set(TK_HAVE_SLEEF 1)
endif()

add_library(tk_rt_objects OBJECT ${TK_RT_SOURCES})
set_target_properties(tk_rt_objects PROPERTIES COMPILE_OPTIONS "${TK_WARNINGS}")
target_include_directories(tk_rt_objects PUBLIC ${CMAKE_SOURCE_DIR} ${CMAKE_SOURCE_DIR}/include)
target_compile_definitions(tk_rt_objects PUBLIC _DEFAULT_SOURCE)

find_package(Threads REQUIRED)
set(TK_RT_LINK Threads::Threads m)
if(TK_SLEEF_LIB)
  list(APPEND TK_RT_LINK ${TK_SLEEF_LIB})
endif()

add_library(tk_rt_shared SHARED $<TARGET_OBJECTS:tk_rt_objects>)
set_target_properties(tk_rt_shared PROPERTIES OUTPUT_NAME tk_rt VERSION ${PROJECT_VERSION} SOVERSION 0)
target_link_libraries(tk_rt_shared PUBLIC ${TK_RT_LINK})
target_include_directories(tk_rt_shared INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
add_library(tk_rt_static STATIC $<TARGET_OBJECTS:tk_rt_objects>)
set_target_properties(tk_rt_static PROPERTIES OUTPUT_NAME tk_rt)
target_link_libraries(tk_rt_static PUBLIC ${TK_RT_LINK})
target_include_directories(tk_rt_static INTERFACE
  $<BUILD_INTERFACE:${CMAKE_SOURCE_DIR}/include> $<INSTALL_INTERFACE:include>)
add_library(tk::rt ALIAS tk_rt_shared)
add_library(tk::rt_static ALIAS tk_rt_static)

# tkc build emits SLEEF calls only when programs can link SLEEF.
set_source_files_properties(${CMAKE_SOURCE_DIR}/backend-cpu/aot_object.c PROPERTIES
  COMPILE_DEFINITIONS TK_HAVE_SLEEF=${TK_HAVE_SLEEF})
