/* conf_argv.h: split an --impl command prefix into words the way a POSIX shell would for
 * simple input: blanks separate words, '...' is literal, "..." allows \" \\ \$ \` escapes,
 * a backslash outside quotes escapes the next character. No expansion of any kind. */
#ifndef CONF_ARGV_H
#define CONF_ARGV_H

/* Returns a NULL-terminated malloc'd array of malloc'd words and sets *count, or NULL with
 * *error set (unterminated quote, trailing backslash, no words at all). */
char **conf_argv_split(const char *line, int *count, char **error);
void conf_argv_free(char **words);

#endif
