# man_include.cmake -DPROG= -DOUT= -DWALK= -DSEE_ALSO=: the help2man include file of PROG: the
# --help of every sub-command (when it has any) as a COMMANDS section, then SEE ALSO.
execute_process(COMMAND sh ${WALK} ${PROG} OUTPUT_VARIABLE tree RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help_tree.sh ${PROG} failed")
endif()
file(READ ${SEE_ALSO} see_also)
string(REGEX MATCHALL "\n== " subs "\n${tree}")
list(LENGTH subs n)
set(text "")
if(n GREATER 1)
  # roff: a leading dot or quote would be a request; backslashes are escapes.
  string(REPLACE "\\" "\\e" tree "${tree}")
  string(REGEX REPLACE "\n([.'])" "\n\\\\&\\1" tree "\n${tree}")
  string(REGEX REPLACE "\n== ([^\n]*)" "\n.fi\n.SS \\1\n.nf" tree "${tree}")
  string(REGEX REPLACE "^\n\\.fi\n" "" tree "${tree}")
  set(text "[COMMANDS]\nEvery command's --help, as the program prints it:\n${tree}\n.fi\n\n")
endif()
file(WRITE ${OUT} "${text}${see_also}")
