// The same without the topic join: any commercial interest of the author's
// organisation. The seed alone, with its person and organisation records,
// answers it.
MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)
      -[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..]->(o:Organisation)
      -[i:INTERESTED_IN]->(t:Topic)
WHERE i.kind = 'commercial'
RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight
ORDER BY weight DESC, author, topic, claim
