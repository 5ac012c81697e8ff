package numa

import "testing"

func TestParseCPUList(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		n        int
		err      bool
	}{
		{in: "0-7,16-23", want: "0-7,16-23", n: 16},
		{in: "0,4,8,12", want: "0,4,8,12", n: 4},
		{in: "3,1-2,0", want: "0-3", n: 4},
		{in: "", want: "", n: 0},
		{in: "88-175\n", want: "88-175", n: 88},
		{in: "7-3", err: true},
		{in: "a", err: true},
		{in: "0-99999999", err: true},
		{in: "0-65535,0-65535", err: true}, // repeated ranges: a memory bomb (found by FuzzReadNodes)
		{in: "0-65535", want: "0-65535", n: 65536},
	} {
		got, err := ParseCPUList(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseCPUList(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && (got.String() != tc.want || len(got) != tc.n) {
			t.Errorf("ParseCPUList(%q) = %s (%d), want %s (%d)", tc.in, got, len(got), tc.want, tc.n)
		}
	}
}

func TestParseCPUMask(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		err      bool
	}{
		{in: "0000,000000ff,ffffffff", want: "0-39"},
		{in: "00000011,11111111", want: "0,4,8,12,16,20,24,28,32,36"},
		// the POWER9 capture's local_cpus
		{in: "0000,00000000,00000000,00000000,00000000,0000ffff", want: "0-15"},
		{in: "0", want: ""},
		{in: "xyz", err: true},
	} {
		got, err := ParseCPUMask(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("ParseCPUMask(%q) error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if err == nil && got.String() != tc.want {
			t.Errorf("ParseCPUMask(%q) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestSubsetOf(t *testing.T) {
	a, _ := ParseCPUList("0-3")
	b, _ := ParseCPUList("0-7")
	c, _ := ParseCPUList("2,9")
	if !a.SubsetOf(b) || b.SubsetOf(a) || c.SubsetOf(b) || !(CPUSet{}).SubsetOf(a) {
		t.Error("SubsetOf is wrong")
	}
}

func TestOverlaps(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{{"0-3", "3-5", true}, {"0-3", "4-7", false}, {"0,2,4", "1,3,5", false}, {"", "0-7", false}, {"8-15", "0-31", true}} {
		a, _ := ParseCPUList(tc.a)
		b, _ := ParseCPUList(tc.b)
		if a.Overlaps(b) != tc.want || b.Overlaps(a) != tc.want {
			t.Errorf("%s overlaps %s: %v, want %v", tc.a, tc.b, a.Overlaps(b), tc.want)
		}
	}
}

func FuzzParseCPUList(f *testing.F) {
	for _, s := range []string{"0-7,16-23", "0", "", "88-175"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ParseCPUList(in)
		if err != nil {
			return
		}
		again, err := ParseCPUList(got.String())
		if err != nil || again.String() != got.String() {
			t.Fatalf("round trip of %q: %q, %v", in, again, err)
		}
	})
}

func FuzzParseCPUMask(f *testing.F) {
	for _, s := range []string{"ff", "00000000,0000ffff", "1,00000000", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if set, err := ParseCPUMask(s); err == nil {
			if back, err := ParseCPUList(set.String()); err != nil || back.String() != set.String() {
				t.Errorf("mask %q → %v → list round trip %v, %v", s, set, back, err)
			}
		}
	})
}
