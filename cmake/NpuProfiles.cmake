# Embeds backend-npu/profiles/*.profile into a generated C file so the chip
# profiles are built in (npu_builtin_profile_names/texts/count). Sets
# NPU_PROFILES_C.
include(EmbedFiles)
set(NPU_PROFILES_C ${CMAKE_BINARY_DIR}/gen/npu/npu_profiles.c)
tk_embed_files(${NPU_PROFILES_C} npu_builtin_profile ${CMAKE_SOURCE_DIR}/backend-npu/profiles/*.profile)
