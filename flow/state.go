package flow

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	"github.com/crewai-go/crewai/chat"
)

// State is the state of one kickoff, shared by its methods. Methods that run
// concurrently may all use it: every access goes through a lock, so the safe
// way is the easy way. The zero value is not used; a kickoff creates one.
type State[S any] struct {
	mu    sync.RWMutex
	v     S
	id    string
	usage chat.Usage

	restored bool // the kickoff restored a saved state
}

// ID returns the state's ID: a random UUID, or the "id" given to Kickoff.
func (s *State[S]) ID() string { return s.id }

// Get returns a deep copy of the state (maps, slices and pointers reachable
// through exported fields are copied; unexported fields are copied
// shallowly), which the caller may keep and modify freely.
func (s *State[S]) Get() S {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return deepCopy(s.v)
}

// View calls fn with the state under a read lock, without copying it. fn
// must not modify the state, keep references into it, or call other methods
// of s.
func (s *State[S]) View(fn func(s *S)) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	fn(&s.v)
}

// Update calls fn with the state under the write lock; fn's changes are what
// other methods see next. fn must not keep references into the state or
// call other methods of s (that would deadlock).
func (s *State[S]) Update(fn func(s *S)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(&s.v)
}

// AddUsage adds token usage to the kickoff's total (Result.Usage). The usage
// of crews, agents and LLM calls run inside a method is counted from their
// events automatically: add only usage that emits no event, such as a
// direct llm.LLM.Generate call.
func (s *State[S]) AddUsage(u chat.Usage) {
	s.mu.Lock()
	s.usage = s.usage.Add(u)
	s.mu.Unlock()
}

func (s *State[S]) addedUsage() chat.Usage {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.usage
}

// marshal encodes the state as JSON under the read lock.
func (s *State[S]) marshal() ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return json.Marshal(s.v)
}

// newID returns a random RFC 4122 version 4 UUID.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:], b[10:])
	return string(out[:])
}

// deepCopy returns a copy of v that shares no map, slice or pointer
// reachable through exported fields with v.
func deepCopy[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	out := reflect.New(rv.Type()).Elem()
	copyValue(out, rv, map[uintptr]reflect.Value{})
	return out.Interface().(T)
}

func copyValue(dst, src reflect.Value, seen map[uintptr]reflect.Value) {
	switch src.Kind() {
	case reflect.Pointer:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		if p, ok := seen[src.Pointer()]; ok {
			dst.Set(p)
			return
		}
		p := reflect.New(src.Type().Elem())
		seen[src.Pointer()] = p
		copyValue(p.Elem(), src.Elem(), seen)
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		e := src.Elem()
		c := reflect.New(e.Type()).Elem()
		copyValue(c, e, seen)
		dst.Set(c)
	case reflect.Map:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		et := src.Type().Elem()
		for it.Next() {
			c := reflect.New(et).Elem()
			copyValue(c, it.Value(), seen)
			m.SetMapIndex(it.Key(), c)
		}
		dst.Set(m)
	case reflect.Slice:
		if src.IsNil() {
			dst.Set(src)
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			copyValue(s.Index(i), src.Index(i), seen)
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			copyValue(dst.Index(i), src.Index(i), seen)
		}
	case reflect.Struct:
		dst.Set(src) // unexported fields: shallow
		t := src.Type()
		for i := range src.NumField() {
			if t.Field(i).IsExported() {
				copyValue(dst.Field(i), src.Field(i), seen)
			}
		}
	default:
		dst.Set(src)
	}
}

// setID stores id into the state's "id" key (a map state) or its ID field
// (a string field named ID or tagged json:"id"), if it has one.
func setID(v reflect.Value, id string) {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() == reflect.String && reflect.TypeOf(id).ConvertibleTo(v.Type().Elem()) {
			v.SetMapIndex(reflect.ValueOf("id").Convert(v.Type().Key()), reflect.ValueOf(id).Convert(v.Type().Elem()))
		}
	case reflect.Struct:
		if f, ok := findField(v.Type(), "id"); ok && f.Type.Kind() == reflect.String {
			if fv, err := v.FieldByIndexErr(f.Index); err == nil && fv.CanSet() {
				fv.SetString(id)
			}
		}
	}
}

// prepare makes the zero state usable: a nil map becomes empty, a nil
// pointer to a struct points to a zero struct.
func prepare(v reflect.Value) {
	switch v.Kind() {
	case reflect.Map:
		if v.IsNil() {
			v.Set(reflect.MakeMap(v.Type()))
		}
	case reflect.Pointer:
		if v.IsNil() && v.Type().Elem().Kind() == reflect.Struct {
			v.Set(reflect.New(v.Type().Elem()))
		}
	}
}

// mergeInputs merges inputs into the state v (addressable), in sorted key
// order. The key "id" is skipped: it names the state, see Kickoff.
func mergeInputs(v reflect.Value, inputs map[string]any) error {
	keys := make([]string, 0, len(inputs))
	for k := range inputs {
		if k != "id" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	prepare(v)
	for v.Kind() == reflect.Pointer && !v.IsNil() {
		v = v.Elem()
	}
	for _, k := range keys {
		val := inputs[k]
		switch v.Kind() {
		case reflect.Map:
			if v.Type().Key().Kind() != reflect.String {
				return &InputError{Field: k, Value: val, Want: fmt.Sprintf("cannot be merged: the state type %s has no string keys", v.Type())}
			}
			x, err := convert(val, v.Type().Elem())
			if err != nil {
				return &InputError{Field: k, Value: val, Want: "is not a valid " + v.Type().Elem().String(), Err: err}
			}
			v.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), x)
		case reflect.Struct:
			f, ok := findField(v.Type(), k)
			if !ok {
				return &InputError{Field: k, Value: val, Want: fmt.Sprintf("matches no field of %s (fields: %s)",
					v.Type(), strings.Join(fieldNames(v.Type()), ", "))}
			}
			fv, err := v.FieldByIndexErr(f.Index)
			if err != nil || !fv.CanSet() {
				return &InputError{Field: k, Value: val, Want: fmt.Sprintf("cannot be set: field %s of %s is not reachable", f.Name, v.Type()), Err: err}
			}
			x, err := convert(val, f.Type)
			if err != nil {
				return &InputError{Field: k, Value: val, Want: fmt.Sprintf("is not a valid %s (field %s)", f.Type, f.Name), Err: err}
			}
			fv.Set(x)
		default:
			return &InputError{Field: k, Value: val, Want: fmt.Sprintf("cannot be merged: the state type %s has no fields; use a struct or a map state", v.Type())}
		}
	}
	return nil
}

// convert turns val into a value of type t: directly when assignable, else
// through JSON (so 3.0 fits an int, a map fits a struct), refusing unknown
// fields of nested structs.
func convert(val any, t reflect.Type) (reflect.Value, error) {
	if val == nil {
		switch t.Kind() {
		case reflect.Map, reflect.Slice, reflect.Pointer, reflect.Interface:
			return reflect.Zero(t), nil
		}
		return reflect.Value{}, fmt.Errorf("null is not allowed for %s", t)
	}
	rv := reflect.ValueOf(val)
	if rv.Type().AssignableTo(t) {
		return rv, nil
	}
	data, err := json.Marshal(val)
	if err != nil {
		return reflect.Value{}, err
	}
	p := reflect.New(t)
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(p.Interface()); err != nil {
		return reflect.Value{}, err
	}
	return p.Elem(), nil
}

// findField finds the field an input key names: by JSON name, then Go name,
// then either case-insensitively. Fields tagged json:"-" are not inputs.
func findField(t reflect.Type, key string) (reflect.StructField, bool) {
	var fold []reflect.StructField
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && indirect(f.Type).Kind() == reflect.Struct {
			continue
		}
		name, skip := jsonName(f)
		if skip {
			continue
		}
		if name == key || f.Name == key {
			return f, true
		}
		if strings.EqualFold(name, key) || strings.EqualFold(f.Name, key) {
			fold = append(fold, f)
		}
	}
	if len(fold) > 0 {
		return fold[0], true
	}
	return reflect.StructField{}, false
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

func jsonName(f reflect.StructField) (string, bool) {
	tag := f.Tag.Get("json")
	if tag == "-" {
		return "", true
	}
	name, _, _ := strings.Cut(tag, ",")
	if name == "" {
		name = f.Name
	}
	return name, false
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for _, f := range reflect.VisibleFields(t) {
		if !f.IsExported() || f.Anonymous && indirect(f.Type).Kind() == reflect.Struct {
			continue
		}
		if name, skip := jsonName(f); !skip {
			out = append(out, name)
		}
	}
	return out
}
