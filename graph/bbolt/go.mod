module go.etcd.io/bbolt

go 1.21

require (
	github.com/stretchr/testify v1.8.1
	go.etcd.io/gofail v0.1.0
	golang.org/x/sync v0.5.0
	golang.org/x/sys v0.4.0
)

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
