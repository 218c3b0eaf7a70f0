# check_tables.R FILE.csv
#
# Loads FILE.csv exactly as an R user would, with read.csv's defaults and nothing else,
# and prints what R made of it, for tools/check_tables.py to compare with pandas and polars:
#
#   #rows<TAB>N                    the number of data rows read.csv returned
#   name<TAB>class<TAB>n_na         one line per column, in file order: the column's name as
#                                   R gives it (read.csv's check.names may rename it), its class
#                                   (sapply(read.csv(path), class): integer, numeric, character,
#                                   logical, ...) and how many of its values are NA
#
# The NA count lets the caller tell an all-NA column (which read.csv makes logical) from a
# real TRUE/FALSE one. Base R only; R's warnings (e.g. "incomplete final line") go to stderr.
# Exit status 2 on bad usage, 1 (R's own) if read.csv fails.

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 1L) {
  cat("usage: Rscript check_tables.R FILE.csv\n", file = stderr())
  quit(status = 2L)
}

d <- read.csv(args[[1L]])

classes <- sapply(d, function(x) class(x)[[1L]])
n_na <- vapply(d, function(x) sum(is.na(x)), numeric(1L))

cat(sprintf("#rows\t%d\n", nrow(d)))
if (ncol(d) > 0L) {
  cat(sprintf("%s\t%s\t%.0f\n", names(d), classes, n_na), sep = "")
}
