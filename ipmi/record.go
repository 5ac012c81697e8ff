package ipmi

import (
	"encoding/json"
	"errors"
	"math"
)

// Recording is one read of a BMC as a capture keeps it, to be replayed
// where there is no BMC: how it was reached and what Read returned.
type Recording struct {
	// Transport is "open" (in-band /dev/ipmi0) or "lanplus".
	Transport string `json:"transport"`
	// Address is the BMC's LAN address, for lanplus.
	Address string `json:"address,omitempty"`
	Info    *Info  `json:"info,omitempty"`
	// Problems are Info.Problems as text; Error is Read's error, when the
	// read ended early.
	Problems []string `json:"problems,omitempty"`
	Error    string   `json:"error,omitempty"`
}

// Record makes a Recording of what Read returned.
func Record(transport, address string, info *Info, err error) Recording {
	r := Recording{Transport: transport, Address: address, Info: info}
	if info != nil {
		for _, p := range info.Problems {
			r.Problems = append(r.Problems, p.Error())
		}
	}
	if err != nil {
		r.Error = err.Error()
	}
	return r
}

// Replay returns what Read returned when r was recorded.
func (r Recording) Replay() (*Info, error) {
	var err error
	if r.Error != "" {
		err = errors.New(r.Error)
	}
	if r.Info == nil {
		if err == nil {
			err = errors.New("ipmi: recording holds no answer")
		}
		return nil, err
	}
	info := *r.Info
	info.Problems = nil
	for _, p := range r.Problems {
		info.Problems = append(info.Problems, errors.New(p))
	}
	return &info, err
}

// MarshalJSON writes an unset threshold (NaN, which JSON cannot hold) as
// null.
func (s Sensor) MarshalJSON() ([]byte, error) {
	type plain Sensor
	return json.Marshal(struct {
		plain
		Value                        *float64
		UpperCritical, LowerCritical *float64
	}{plain(s), finite(s.Value), finite(s.UpperCritical), finite(s.LowerCritical)})
}

// UnmarshalJSON reads what MarshalJSON wrote.
func (s *Sensor) UnmarshalJSON(b []byte) error {
	type plain Sensor
	var v struct {
		plain
		Value                        *float64
		UpperCritical, LowerCritical *float64
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = Sensor(v.plain)
	s.Value, s.UpperCritical, s.LowerCritical = orNaN(v.Value), orNaN(v.UpperCritical), orNaN(v.LowerCritical)
	return nil
}

func finite(f float64) *float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil
	}
	return &f
}

func orNaN(f *float64) float64 {
	if f == nil {
		return math.NaN()
	}
	return *f
}
