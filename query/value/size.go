package value

// Size estimates the bytes of memory a value holds, for the memory budget
// of a query (operator.Limits.MaxMemory): the Go representation's headers
// and contents, roughly. It is an estimate, meant to stop a query well
// before the process runs out of memory, not to measure it.
func Size(v Value) int64 {
	switch v := v.(type) {
	case nil, bool, int64, float64:
		return 16
	case string:
		// The interface's box, the header, the bytes in their size class.
		return 48 + (int64(len(v))+7)&^7
	case Node:
		return 48
	case Rel:
		return 96 + int64(len(v.Type)+len(v.Record))
	case []Value:
		n := int64(40)
		for _, x := range v {
			n += Size(x)
		}
		return n
	case map[string]Value:
		n := int64(64)
		for k, x := range v {
			n += 32 + int64(len(k)) + Size(x)
		}
		return n
	case Path:
		n := int64(64)
		for _, x := range v.Nodes {
			n += Size(x)
		}
		for _, x := range v.Rels {
			n += Size(x)
		}
		return n
	}
	return 32
}

// RowSize is Size of the values of a row held whole, with its header.
func RowSize(row []Value) int64 {
	n := int64(24)
	for _, v := range row {
		n += Size(v)
	}
	return n
}
