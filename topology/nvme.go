package topology

// NVMeHealth is what an NVMe controller's SMART / Health Information log
// (log page 02h) tells the graph. JSON schema 1 holds it as attributes of
// the controller, named as SetNVMeHealth writes them, and its media
// errors as the CounterNVMeMediaErrors counter.
type NVMeHealth struct {
	// TemperatureCelsius is the composite temperature; nil when the
	// controller reports none.
	TemperatureCelsius *float64
	// CriticalWarning holds the warning bits the controller raises.
	CriticalWarning uint8
	// AvailableSparePercent and its threshold are the spare capacity
	// left, in percent; PercentageUsed estimates the rated endurance
	// used, and may pass 100.
	AvailableSparePercent, AvailableSpareThresholdPercent, PercentageUsed uint8
	PowerOnHours, PowerCycles, UnsafeShutdowns, ErrorLogEntries           uint64
	DataUnitsRead, DataUnitsWritten                                       uint64 // in 1000 × 512 bytes
	WarningTemperatureMinutes, CriticalTemperatureMinutes                 uint32
	MediaErrors                                                           uint64
}

// The health log's attributes (JSON schema 1).
const (
	attrNVMeTemperature    = "temperature_celsius"
	attrNVMeWarning        = "critical_warning"
	attrNVMeSpare          = "available_spare_percent"
	attrNVMeSpareThreshold = "available_spare_threshold_percent"
	attrNVMeUsed           = "percentage_used"
)

// SetNVMeHealth records a controller's health log on c.
func (c *Component) SetNVMeHealth(h NVMeHealth) {
	if h.TemperatureCelsius != nil {
		c.SetAttr(attrNVMeTemperature, *h.TemperatureCelsius)
	}
	c.SetAttr(attrNVMeWarning, h.CriticalWarning)
	c.SetAttr(attrNVMeSpare, h.AvailableSparePercent)
	c.SetAttr(attrNVMeSpareThreshold, h.AvailableSpareThresholdPercent)
	c.SetAttr(attrNVMeUsed, h.PercentageUsed)
	c.SetAttr("power_on_hours", h.PowerOnHours)
	c.SetAttr("power_cycles", h.PowerCycles)
	c.SetAttr("unsafe_shutdowns", h.UnsafeShutdowns)
	c.SetAttr("error_log_entries", h.ErrorLogEntries)
	c.SetAttr("data_units_read", h.DataUnitsRead)
	c.SetAttr("data_units_written", h.DataUnitsWritten)
	c.SetAttr("warning_temperature_minutes", h.WarningTemperatureMinutes)
	c.SetAttr("critical_temperature_minutes", h.CriticalTemperatureMinutes)
	if c.Counters == nil {
		c.Counters = map[string]uint64{}
	}
	c.Counters[CounterNVMeMediaErrors] = h.MediaErrors
}

// NVMeHealth returns the health log recorded on c (as SetNVMeHealth
// wrote it, or as a graph read back from JSON holds it); ok is false
// when c has none.
func (c *Component) NVMeHealth() (h NVMeHealth, ok bool) {
	h.MediaErrors, ok = c.Counters[CounterNVMeMediaErrors]
	if !ok {
		return NVMeHealth{}, false
	}
	if t, ok := Number(c.Attrs, attrNVMeTemperature); ok {
		h.TemperatureCelsius = &t
	}
	u8 := func(k string) uint8 { v, _ := Number(c.Attrs, k); return uint8(v) }
	u64 := func(k string) uint64 { v, _ := Number(c.Attrs, k); return uint64(v) }
	h.CriticalWarning, h.PercentageUsed = u8(attrNVMeWarning), u8(attrNVMeUsed)
	h.AvailableSparePercent, h.AvailableSpareThresholdPercent = u8(attrNVMeSpare), u8(attrNVMeSpareThreshold)
	h.PowerOnHours, h.PowerCycles, h.UnsafeShutdowns = u64("power_on_hours"), u64("power_cycles"), u64("unsafe_shutdowns")
	h.ErrorLogEntries, h.DataUnitsRead, h.DataUnitsWritten = u64("error_log_entries"), u64("data_units_read"), u64("data_units_written")
	h.WarningTemperatureMinutes = uint32(u64("warning_temperature_minutes"))
	h.CriticalTemperatureMinutes = uint32(u64("critical_temperature_minutes"))
	return h, true
}
