package memo

import (
	"errors"
	"testing"
	"time"
)

func TestMemo(t *testing.T) {
	var m Memo[int]
	reads := 0
	read := func() (int, error) { reads++; return reads, nil }
	if a, _ := m.Get(read); a != 1 {
		t.Fatal(a)
	}
	if b, _ := m.Get(read); b != 1 || reads != 1 {
		t.Errorf("kept result not used: %d after %d reads", b, reads)
	}
	m.Forget()
	if c, _ := m.Get(read); c != 2 {
		t.Errorf("after Forget: %d", c)
	}
	m.MaxAge = time.Nanosecond
	time.Sleep(time.Millisecond)
	if d, _ := m.Get(read); d != 3 {
		t.Errorf("past MaxAge: %d", d)
	}
	var failing Memo[int]
	if _, err := failing.Get(func() (int, error) { return 0, errors.New("boom") }); err == nil {
		t.Error("error lost")
	}
	if e, _ := failing.Get(read); e != 4 {
		t.Errorf("a failed read was kept: %d", e)
	}
	var none *Memo[int]
	if f, _ := none.Get(read); f != 5 {
		t.Errorf("nil memo kept: %d", f)
	}
}

func TestMap(t *testing.T) {
	var m Map[string, int]
	if _, ok := m.Get("a"); ok {
		t.Error("an empty map holds a")
	}
	m.Put("a", 1)
	m.Put("b", 2)
	if v, ok := m.Get("a"); !ok || v != 1 {
		t.Errorf("a: %d, %v", v, ok)
	}
	m.Forget()
	if _, ok := m.Get("b"); ok {
		t.Error("b kept after Forget")
	}
	m.MaxAge = time.Nanosecond
	m.Put("c", 3)
	time.Sleep(time.Millisecond)
	if _, ok := m.Get("c"); ok {
		t.Error("c kept past MaxAge")
	}
	var none *Map[string, int]
	none.Put("d", 4)
	if _, ok := none.Get("d"); ok {
		t.Error("a nil map kept d")
	}
	none.Forget()
}

// TestMapPutUnlessForgotten: a result read before a Forget is not kept
// after it; one read after is.
func TestMapPutUnlessForgotten(t *testing.T) {
	var m Map[string, int]
	since := m.Forgets()
	m.Forget() // a device event while reading
	m.PutUnlessForgotten(since, "a", 1)
	if _, ok := m.Get("a"); ok {
		t.Error("a, read before the Forget, kept after it")
	}
	m.PutUnlessForgotten(m.Forgets(), "b", 2)
	if v, ok := m.Get("b"); !ok || v != 2 {
		t.Errorf("b: %d, %v; want 2, kept", v, ok)
	}
	var none *Map[string, int]
	none.PutUnlessForgotten(none.Forgets(), "c", 3)
	if _, ok := none.Get("c"); ok {
		t.Error("a nil map kept c")
	}
}
