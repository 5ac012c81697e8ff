package disk

// Files are what ReadDisks and ReadExpanders read, as capture patterns
// relative to the filesystem root (package capture), but for the
// identifiers: SerialFiles, WWNFiles, VPDFiles and SASAddressFiles.
var Files, SerialFiles, WWNFiles, VPDFiles, SASAddressFiles = func() (files, serial, wwn, vpd, sas []string) {
	scsi := []string{"type", "vendor", "model", "rev", "state", "ioerr_cnt", "iotmo_cnt", "iorequest_cnt", "enclosure_device:*"}
	block := []string{"size", "queue/rotational"}
	files = []string{"sys/class/scsi_device", "sys/block", "sys/class/sas_expander",
		"sys/class/sas_expander/*/{vendor_id,product_id,product_rev,component_vendor_id,component_id,component_revision_id,device}"}
	sas = []string{"sys/class/sas_expander/*/device/sas_device/*/sas_address"}
	for _, dev := range []string{"sys/class/scsi_device/*/device", "sys/devices/**/[0-9]*:[0-9]*:[0-9]*:[0-9]*"} {
		files = append(files, dev, dev+"/block/*")
		for _, f := range scsi {
			files = append(files, dev+"/"+f)
		}
		for _, f := range block {
			files = append(files, dev+"/block/*/"+f)
		}
		serial = append(serial, dev+"/block/*/serial")
		wwn = append(wwn, dev+"/wwid")
		vpd = append(vpd, dev+"/vpd_pg80")
	}
	for _, b := range []string{"vd*", "xvd*", "mmcblk[0-9]*"} {
		files = append(files, "sys/block/"+b)
		for _, f := range block {
			files = append(files, "sys/block/"+b+"/"+f)
		}
		serial = append(serial, "sys/block/"+b+"/serial")
	}
	return
}()
