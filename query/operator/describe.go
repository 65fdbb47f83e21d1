package operator

import "claimgraph/query/value"

// Describe replaces graph values by maps that say what they are:
// a node is {"id", "labels", "properties"}, a relationship {"type",
// "start", "end", "properties", "record"}, a path {"nodes",
// "relationships"}. Lists and maps are described item by item.
func (x *Exec) Describe(v value.Value) (value.Value, error) {
	switch v := v.(type) {
	case value.Node:
		labels, err := x.Reader.Labels(v.ID)
		if err != nil {
			return nil, err
		}
		props, err := x.NodeProperties(v)
		if err != nil {
			return nil, err
		}
		delete(props, "id")
		return map[string]value.Value{"id": v.ID, "labels": value.Strings(labels), "properties": props}, nil
	case value.Rel:
		props, err := x.RelProperties(v)
		if err != nil {
			return nil, err
		}
		return map[string]value.Value{"type": v.Type, "start": v.Start, "end": v.End, "properties": props, "record": v.Record}, nil
	case value.Path:
		nodes := make([]value.Value, len(v.Nodes))
		for i, n := range v.Nodes {
			d, err := x.Describe(n)
			if err != nil {
				return nil, err
			}
			nodes[i] = d
		}
		rels := make([]value.Value, len(v.Rels))
		for i, r := range v.Rels {
			d, err := x.Describe(r)
			if err != nil {
				return nil, err
			}
			rels[i] = d
		}
		return map[string]value.Value{"nodes": nodes, "relationships": rels}, nil
	case []value.Value:
		out := make([]value.Value, len(v))
		for i, item := range v {
			d, err := x.Describe(item)
			if err != nil {
				return nil, err
			}
			out[i] = d
		}
		return out, nil
	case map[string]value.Value:
		out := make(map[string]value.Value, len(v))
		for k, item := range v {
			d, err := x.Describe(item)
			if err != nil {
				return nil, err
			}
			out[k] = d
		}
		return out, nil
	}
	return v, nil
}
