// Claims by commercially interested authors: quotes whose source's author is
// affiliated with an organisation (or a sub-organisation of one) that has a
// commercial interest in the quote's topic.
MATCH (q:Quote)-[:QUOTED_IN]->(s:Source)-[:AUTHORED_BY]->(p:Person)
      -[:AFFILIATED_WITH]->(:Organisation)-[:PART_OF*0..]->(o:Organisation)
      -[i:INTERESTED_IN]->(t:Topic)<-[:ABOUT]-(q)
WHERE i.kind = 'commercial'
RETURN p.name AS author, o.name AS organisation, t.name AS topic, q.text AS claim, q.weight AS weight
ORDER BY weight DESC, author, topic, claim
