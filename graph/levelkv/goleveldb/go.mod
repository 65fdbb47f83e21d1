module github.com/syndtr/goleveldb

go 1.14

require github.com/golang/snappy v0.0.0-20180518054509-2e65f85255db
