package dmi

// Files are what Read reads, as capture patterns relative to the
// filesystem root (package capture); TableFiles, among them, hold the
// structure table, with the machine's serial numbers and UUID (Redact).
var (
	Files      = append([]string{"sys/firmware/dmi/tables/smbios_entry_point", "sys/firmware/dmi/entries"}, TableFiles...)
	TableFiles = []string{"sys/firmware/dmi/tables/DMI", "sys/firmware/dmi/entries/*/raw"}
)
