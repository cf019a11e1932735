// Package repocheck holds a test that keeps the repository self-contained: no source
// file, comment, script or document may point at a path outside it (the reference
// material the project started from lived beside the repository, and links into it break
// for everyone else). What such a link would have said belongs in docs/. The package has
// no code of its own; its test walks every text file from the module root.
package repocheck
