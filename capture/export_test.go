package capture

// IsFiller is isFiller, for the tests outside the package.
var IsFiller = isFiller
