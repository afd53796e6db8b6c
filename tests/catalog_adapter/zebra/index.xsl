<?xml version="1.0" encoding="UTF-8"?>
<!-- What Zebra indexes of each MARCXML record: title, author, subject, ISBN, 001. -->
<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:z="http://indexdata.com/zebra-2.0" xmlns:marc="http://www.loc.gov/MARC21/slim" version="1.0">
  <xsl:output indent="yes" method="xml" version="1.0" encoding="UTF-8"/>
  <xsl:template match="text()"/>
  <xsl:template match="/">
    <xsl:apply-templates select="//marc:record"/>
  </xsl:template>
  <xsl:template match="marc:record">
    <z:record z:id="{normalize-space(marc:controlfield[@tag='001'])}" type="update">
      <z:index name="Local-number:w Any:w"><xsl:value-of select="marc:controlfield[@tag='001']"/></z:index>
      <xsl:for-each select="marc:datafield[@tag='245']/marc:subfield">
        <z:index name="Title:w Any:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag='100' or @tag='700' or @tag='110']/marc:subfield[@code='a']">
        <z:index name="Author:w Any:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag='650' or @tag='600' or @tag='651']/marc:subfield">
        <z:index name="Subject-heading:w Any:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
      <xsl:for-each select="marc:datafield[@tag='020']/marc:subfield[@code='a']">
        <z:index name="ISBN:w Any:w"><xsl:value-of select="."/></z:index>
      </xsl:for-each>
    </z:record>
  </xsl:template>
</xsl:stylesheet>
