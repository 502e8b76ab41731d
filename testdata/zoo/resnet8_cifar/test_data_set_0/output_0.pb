
BlogitsJ(:¨Gæûƒa=ır&=!úsæ˙Õ˛ΩQΩ±˙ræ&ä¥=Wbe>4ùº