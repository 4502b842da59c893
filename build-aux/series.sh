# Shared helpers for the scripts that read patches/series.
# shellcheck shell=bash
#
# patches/series lists the kernel change in order, one commit a line:
#
#   PATCH [NEW-FILE...]
#
# PATCH is a file in patches/ in `git format-patch` form (its header is the
# commit message) holding the commit's changes to upstream files; each
# NEW-FILE is a file the same commit adds, kept in this repository at its
# kernel path.  Blank lines and lines starting with '#' are ignored.

die() {
	echo "$(basename "$0"): $*" >&2
	exit 1
}

# series_lines SERIES_FILE: print the non-comment lines.
series_lines() {
	[ -f "$1" ] || return 0
	sed -e 's/#.*//' -e 's/[[:space:]]*$//' "$1" | grep -v '^[[:space:]]*$' || true
}

# patch_files PATCH: the upstream paths a patch touches, one a line.
patch_files() {
	awk '
		/^--- a\// { sub(/^--- a\//, ""); sub(/\t.*/, ""); print; next }
		/^\+\+\+ b\// { sub(/^\+\+\+ b\//, ""); sub(/\t.*/, ""); print }
	' "$1" | sort -u
}
