package nvgpu

import "testing"

func TestBusID(t *testing.T) {
	for in, want := range map[string]string{
		"00000000:3B:00.0": "0000:3b:00.0", // NVML's 8-digit domain
		"00000001:C5:00.1": "0001:c5:00.1",
		"0000:07:00.0":     "0000:07:00.0",
		"garbage":          "garbage",
		"":                 "",
	} {
		if got := busID(in); got != want {
			t.Errorf("busID(%q) = %q, want %q", in, got, want)
		}
	}
}
