# Embeds stdlib/*.tk into a generated C file so `import "std:NAME";` needs no
# files at run time (stdlib_file_names/texts/count). Sets STDLIB_EMBED_C.
include(EmbedFiles)
set(STDLIB_EMBED_C ${CMAKE_BINARY_DIR}/gen/stdlib/stdlib_embed.c)
tk_embed_files(${STDLIB_EMBED_C} stdlib_file ${CMAKE_SOURCE_DIR}/stdlib/*.tk)
