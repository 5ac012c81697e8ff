package edac

// Files are what ReadControllers reads, as capture patterns relative to
// the filesystem root (package capture): each controller's counters and
// its DIMMs, ranks or csrows.
var Files = []string{
	"sys/devices/system/edac/mc/mc[0-9]*",
	"sys/devices/system/edac/mc/mc[0-9]*/{mc_name,size_mb,ce_count,ue_count,ce_noinfo_count,ue_noinfo_count}",
	"sys/devices/system/edac/mc/mc[0-9]*/{dimm,rank}[0-9]*",
	"sys/devices/system/edac/mc/mc[0-9]*/{dimm,rank}[0-9]*/{dimm_label,dimm_location,size,dimm_mem_type,dimm_ce_count,dimm_ue_count}",
	"sys/devices/system/edac/mc/mc[0-9]*/csrow[0-9]*",
	"sys/devices/system/edac/mc/mc[0-9]*/csrow[0-9]*/ch[0-9]*_{ce_count,ue_count,dimm_label}",
}
